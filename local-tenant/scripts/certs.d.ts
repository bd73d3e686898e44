export interface LocalCertificates {
  ca: string;
  caKey: string;
  cert: string;
  key: string;
}
export declare const DEFAULT_DIR: string;
export declare function ensureCerts(dir?: string): Promise<LocalCertificates>;
export declare function signingCertificate(certs: LocalCertificates): Promise<{ cert: string; key: string }>;
