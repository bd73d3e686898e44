import net from 'node:net';
import tls from 'node:tls';

/**
 * A bare SMTP conversation over a socket, for what a client library hides: the EHLO
 * capabilities before and after STARTTLS and the replies to commands sent out of order.
 */
export class SmtpWire {
  private buffer = '';
  private waiting: ((reply: string) => void) | null = null;

  private constructor(private socket: net.Socket | tls.TLSSocket) {
    this.listen();
  }

  static async open(host: string, port: number): Promise<{ wire: SmtpWire; banner: string }> {
    const socket = net.connect(port, host);
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
    const wire = new SmtpWire(socket);
    return { wire, banner: await wire.reply() };
  }

  /** A session logged in (STARTTLS, AUTH LOGIN) at the point where it may send; throws unless the login is 235. */
  static async loggedIn(on: { smtp: { host: string; port: number }; caCertificate: string }, user: string, password = 'dev-password'): Promise<SmtpWire> {
    const { wire } = await SmtpWire.open(on.smtp.host, on.smtp.port);
    await wire.send('EHLO client.test');
    await wire.startTls(on.caCertificate);
    await wire.send('EHLO client.test');
    await wire.send('AUTH LOGIN');
    await wire.send(Buffer.from(user).toString('base64'));
    const reply = await wire.send(Buffer.from(password).toString('base64'));
    if (!reply.startsWith('235 ')) throw new Error(`login as ${user} answered ${reply}`);
    return wire;
  }

  private listen(): void {
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      this.flush();
    });
  }

  /** A complete reply ends with a line whose code is followed by a space. */
  private flush(): void {
    const lines = this.buffer.split('\r\n');
    const last = lines.findIndex((l) => /^\d{3} /.test(l));
    if (last < 0 || !this.waiting) return;
    const reply = lines.slice(0, last + 1).join('\r\n');
    this.buffer = lines.slice(last + 1).join('\r\n');
    const done = this.waiting;
    this.waiting = null;
    done(reply);
  }

  reply(): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.flush();
    });
  }

  async send(line: string): Promise<string> {
    const answer = this.reply();
    this.socket.write(`${line}\r\n`);
    return answer;
  }

  /** STARTTLS, then the same conversation over TLS. */
  async startTls(ca: string | undefined, servername = 'localhost'): Promise<string> {
    const answer = await this.send('STARTTLS');
    this.socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.socket, ...(ca ? { ca } : {}), servername });
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', () => resolve()).once('error', reject));
    this.socket = secure;
    this.buffer = '';
    this.listen();
    return answer;
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}
