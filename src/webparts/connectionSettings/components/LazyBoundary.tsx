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
  failed: boolean;
}

/**
 * Around every lazily loaded part: a spinner while its chunk loads and, if the chunk cannot be
 * fetched (network gone, deployment replaced), a message with Reload instead of a blank page.
 */
export class LazyBoundary extends React.Component<ILazyBoundaryProps, ILazyBoundaryState> {
  public state: ILazyBoundaryState = { failed: false };

  public static getDerivedStateFromError(): ILazyBoundaryState {
    return { failed: true };
  }

  public render(): React.ReactNode {
    const { strings } = this.props;
    if (this.state.failed) {
      return (
        <MessageBar
          messageBarType={MessageBarType.error}
          actions={<div><DefaultButton text={strings.conflictReload} onClick={() => window.location.reload()} /></div>}
        >
          {strings.chunkLoadFailed}
        </MessageBar>
      );
    }
    return <React.Suspense fallback={<Spinner label={strings.loading} />}>{this.props.children}</React.Suspense>;
  }
}
