import * as React from 'react';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { DefaultButton } from '@fluentui/react/lib/Button';
import { Spinner } from '@fluentui/react/lib/Spinner';
import type { IConnectionSettingsStrings } from '../loc';

export interface ILazyBoundaryProps {
  strings: IConnectionSettingsStrings;
  children?: React.ReactNode;
}

interface ILazyBoundaryState {
  error: unknown;
}

/**
 * A lazily loaded part's code could not be fetched: webpack's ChunkLoadError in SPFx, the
 * browser's failed dynamic import in the preview host.
 */
export function isChunkLoadError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === 'ChunkLoadError' ||
    (typeof message === 'string' && /dynamically imported module|Loading (CSS )?chunk [\w-]+ failed/i.test(message));
}

/**
 * Around every lazily loaded part: a spinner while its chunk loads and, if the chunk cannot be
 * fetched (network gone, deployment replaced), a message with Reload instead of a blank page.
 * Any other error is not this boundary's to hide: it is thrown on to the boundaries above.
 */
export class LazyBoundary extends React.Component<ILazyBoundaryProps, ILazyBoundaryState> {
  public state: ILazyBoundaryState = { error: undefined };

  public static getDerivedStateFromError(error: unknown): ILazyBoundaryState {
    return { error };
  }

  public render(): React.ReactNode {
    const { strings } = this.props;
    const { error } = this.state;
    if (error !== undefined) {
      if (!isChunkLoadError(error)) {
        throw error;
      }
      return (
        <MessageBar
          messageBarType={MessageBarType.error}
          actions={<div><DefaultButton text={strings.reloadPage} onClick={() => window.location.reload()} /></div>}
        >
          {strings.chunkLoadFailed}
        </MessageBar>
      );
    }
    return <React.Suspense fallback={<Spinner label={strings.loading} />}>{this.props.children}</React.Suspense>;
  }
}
