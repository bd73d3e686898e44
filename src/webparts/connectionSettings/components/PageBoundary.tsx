import * as React from 'react';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { DefaultButton } from '@fluentui/react/lib/Button';
import { ThemeProvider } from '@fluentui/react/lib/Theme';
import type { ITheme } from '@fluentui/react/lib/Styling';
import type { IConnectionSettingsStrings } from '../loc';
import { focusTargetClassName } from './pageStyles';

export interface IPageBoundaryProps {
  strings: IConnectionSettingsStrings;
  theme: ITheme;
  children?: React.ReactNode;
}

interface IPageBoundaryState {
  failed: boolean;
  /** Try again mounts the children afresh (a new key): their state is what failed. */
  generation: number;
}

/**
 * The last line under the page: a render that throws leaves a message with Try again, not an
 * empty web part. Nothing of the error is shown (React reports it to the console).
 */
export class PageBoundary extends React.Component<IPageBoundaryProps, IPageBoundaryState> {
  public state: IPageBoundaryState = { failed: false, generation: 0 };
  private readonly _page: React.RefObject<HTMLDivElement> = React.createRef<HTMLDivElement>();

  public static getDerivedStateFromError(): Partial<IPageBoundaryState> {
    return { failed: true };
  }

  public componentDidUpdate(_props: IPageBoundaryProps, previous: IPageBoundaryState): void {
    // Try again went with the message: the keyboard's focus goes to the page mounted afresh.
    if (previous.failed && !this.state.failed && this._page.current) {
      this._page.current.focus();
    }
  }

  public render(): React.ReactNode {
    const { strings, theme } = this.props;
    if (!this.state.failed) {
      return <div ref={this._page} tabIndex={-1} className={focusTargetClassName(this.props.theme)} key={this.state.generation}>{this.props.children}</div>;
    }
    return (
      <ThemeProvider theme={theme} lang={strings.locale}>
        <div data-testid="page-crashed">
        <MessageBar
          messageBarType={MessageBarType.error}
          isMultiline={true}
          actions={<div><DefaultButton text={strings.retry} onClick={() => this.setState((state) => ({ failed: false, generation: state.generation + 1 }))} /></div>}
        >
          {strings.unknownError}
        </MessageBar>
        </div>
      </ThemeProvider>
    );
  }
}
