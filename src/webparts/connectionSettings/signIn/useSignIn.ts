import * as React from 'react';
import type { ISignInResult } from '../services/signInLauncher';
import type { LaunchSignIn, SignInEnd } from './launchSignIn';

export interface IUseSignInOptions {
  launch: LaunchSignIn;
  apiOrigin: string;
  catalog: string | undefined;
  onBlocked: (url: string, retry: () => boolean) => void;
  /**
   * Completes the sign-in with the one-time code the callback gave this page (R-SEC-1): the API
   * connects the account only for this page's admin and nonce. Rejects with the API's error.
   */
  complete: (completion: string) => Promise<unknown>;
  /** Asks the API how the sign-in ended (launchSignIn's context.poll). */
  poll?: () => Promise<ISignInResult | undefined>;
  /** The window came back signed in: the page now completes it, which Cancel can no longer stop. */
  onSignedIn?: () => void;
  /** The window has read closed for a while (launchSignIn's context.onClosedHint). */
  onClosedHint?: () => void;
}

export interface ISignIn {
  /** Runs one sign-in; call it inside the click, before any await. */
  run: (authorizeUrl: Promise<string>) => Promise<SignInEnd>;
  /** Stops waiting (Cancel); the window is closed. */
  cancel: () => void;
}

/** The page's one sign-in at a time; abandoned when the page unmounts. */
export function useSignIn(options: IUseSignInOptions): ISignIn {
  const current = React.useRef<AbortController | undefined>(undefined);
  const latest = React.useRef<IUseSignInOptions>(options);
  latest.current = options;
  React.useEffect(() => () => current.current?.abort(), []);

  const cancel = React.useCallback((): void => {
    current.current?.abort();
    current.current = undefined;
  }, []);

  const run = React.useCallback(async (authorizeUrl: Promise<string>): Promise<SignInEnd> => {
    current.current?.abort();
    const controller = new AbortController();
    current.current = controller;
    const { launch, apiOrigin, catalog, onBlocked, complete, poll } = latest.current;
    const onClosedHint = (): void => {
      if (current.current === controller) {
        latest.current.onClosedHint?.();
      }
    };
    const end = await launch(authorizeUrl, { apiOrigin, catalog, onBlocked, signal: controller.signal, poll, onClosedHint });
    if (end.outcome !== 'signed-in') {
      return end;
    }
    if (controller.signal.aborted) {
      return { outcome: 'cancelled' };
    }
    latest.current.onSignedIn?.();
    await complete(end.completion);
    return { outcome: 'connected' };
  }, []);

  return { run, cancel };
}
