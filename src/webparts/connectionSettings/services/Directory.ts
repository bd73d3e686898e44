import { graphfi, type GraphFI } from '@pnp/graph';
import '@pnp/graph/users';
import { appError, isAppError } from '../model/appError';
import type { IDirectory, IPerson } from './interfaces';
import { RequestTimeout } from './requestTimeout';

const TIMEOUT_MS = 15000;

interface IGraphUser {
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
}

/** People search over Microsoft Graph /users for the alert recipients picker. */
export class Directory implements IDirectory {
  private readonly _graph: GraphFI;

  /** graph: bound to Microsoft Graph; the search aborts its request after timeoutMs. */
  public constructor(graph: GraphFI, timeoutMs: number = TIMEOUT_MS) {
    this._graph = graphfi(graph).using(RequestTimeout(timeoutMs));
  }

  public async searchPeople(query: string): Promise<IPerson[]> {
    const text = query.trim().replace(/'/g, "''");
    if (text === '') {
      return [];
    }
    try {
      const users: IGraphUser[] = await this._graph.users
        .filter(`startswith(displayName,'${text}') or startswith(mail,'${text}') or startswith(userPrincipalName,'${text}')`)
        .select('displayName', 'mail', 'userPrincipalName')
        .top(10)();
      return users
        .filter((u: IGraphUser) => !!(u.mail || u.userPrincipalName))
        .map((u: IGraphUser) => ({ email: (u.mail || u.userPrincipalName) as string, displayName: u.displayName || (u.mail || u.userPrincipalName) as string }));
    } catch (error) {
      if (isAppError(error)) {
        throw error;
      }
      throw appError((error as { name?: string } | null)?.name === 'AbortError' ? 'timeout' : 'network');
    }
  }
}
