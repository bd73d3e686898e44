import * as React from 'react';
import type { IConnectionSettingsStrings } from '../loc';
import type { AuthMethod } from '../model/connection';
import { messageForCode } from '../model/errorMessage';

export interface ILostReasonProps {
  code: string;
  method: AuthMethod | null;
  strings: IConnectionSettingsStrings;
}

/** Why a connection was lost and what to do, in the words that fit its method (R-LOSS-4). */
export default function LostReason(props: ILostReasonProps): JSX.Element {
  const { strings } = props;
  const reason = messageForCode(props.code, strings, props.method);
  return (
    <dl className="lms-grid lms-reason-grid">
      <div className="lms-grid-row">
        <dt className="lms-grid-label">{strings.lostWhyLabel}</dt>
        <dd className="lms-grid-value">{reason.title}</dd>
      </div>
      <div className="lms-grid-row">
        <dt className="lms-grid-label">{strings.lostWhatToDoLabel}</dt>
        <dd className="lms-grid-value">{reason.remedy}</dd>
      </div>
    </dl>
  );
}
