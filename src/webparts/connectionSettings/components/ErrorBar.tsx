import * as React from 'react';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { DefaultButton } from '@fluentui/react/lib/Button';
import type { IConnectionSettingsStrings } from '../loc';
import type { IAppError } from '../model/appError';
import type { AuthMethod } from '../model/connection';
import { messageForError } from '../model/errorMessage';

export interface IErrorBarProps {
  /** What went wrong; a string is a message of the page's own. */
  error: IAppError | string;
  strings: IConnectionSettingsStrings;
  /** The connection's method, so the remedy fits it. */
  method?: AuthMethod | null;
  /** Shown as "Reload" after a conflict, "Try again" after a failed load. */
  onReload?: () => void;
  onDismiss?: () => void;
}

/**
 * One error as the admin reads it: what went wrong, what to do, and the code (and the API's request
 * id, when its answer named one) for support.
 * The page loads it lazily with the error catalogue (both languages): most visits show no error.
 */
export function ErrorBar(props: IErrorBarProps): JSX.Element {
  const { error, strings, onReload, onDismiss } = props;
  const message = messageForError(error, strings, props.method);
  return (
    <MessageBar
      messageBarType={MessageBarType.error}
      isMultiline={true}
      onDismiss={onDismiss}
      dismissButtonAriaLabel={strings.dismiss}
      actions={onReload ? (
        <div>
          <DefaultButton onClick={onReload} text={message.offerReload ? strings.conflictReload : strings.retry} />
        </div>
      ) : undefined}
    >
      <strong data-testid="error-title">{message.title}</strong>
      {message.remedy ? <div data-testid="error-remedy">{message.remedy}</div> : null}
      {message.upstreamLine ? <div data-testid="error-upstream">{message.upstreamLine}</div> : null}
      {message.codeLine || message.requestIdLine ? (
        <div>
          {message.codeLine ? <span data-testid="error-code">{message.codeLine}</span> : null}
          {message.codeLine && message.requestIdLine ? strings.listSeparator : null}
          {message.requestIdLine ? <span data-testid="error-request-id">{message.requestIdLine}</span> : null}
        </div>
      ) : null}
    </MessageBar>
  );
}

export default ErrorBar;
