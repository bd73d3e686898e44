import * as React from 'react';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { DefaultButton } from '@fluentui/react/lib/Button';
import type { IConnectionSettingsStrings } from '../loc';
import type { IErrorMessage } from '../model/errorMessage';

export interface IErrorBarProps {
  message: IErrorMessage;
  strings: IConnectionSettingsStrings;
  /** Shown as "Reload" after a conflict, "Try again" after a failed load. */
  onReload?: () => void;
  onDismiss?: () => void;
}

/** One error as the admin reads it: what went wrong, what to do, and the code for support. */
export function ErrorBar(props: IErrorBarProps): JSX.Element {
  const { message, strings, onReload, onDismiss } = props;
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
      {message.codeLine ? <div data-testid="error-code">{message.codeLine}</div> : null}
    </MessageBar>
  );
}
