import * as React from 'react';
import { useTheme } from '@fluentui/react/lib/Theme';
import { focusTargetClassName } from './pageStyles';

export interface IFocusOnShowProps {
  /** A new value moves the focus here again (the same error shown twice is focused twice). */
  focusKey: unknown;
  /** Only when the focus was lost (on the page's body): a notice must not take it from where the admin is. */
  onlyIfLost?: boolean;
  /**
   * Never takes the focus: what the page found by itself (on load, in a background check, in the
   * reads that follow "Try again now") is announced where it is, not moved to - the admin may be
   * typing, here or in another part of the page.
   */
  passive?: boolean;
  /** The live region's role while passive, for content that is no live region of its own (a message bar is). */
  passiveRole?: 'alert' | 'status';
  children?: React.ReactNode;
  'data-testid'?: string;
}

/**
 * A region that takes the focus when it appears after the admin's own action: an error next to
 * the action that failed is where a keyboard or screen-reader user must land (issue 14, point 4);
 * so is what an action did, when the button that did it went away with its answer (Disconnect).
 */
export function FocusOnShow(props: IFocusOnShowProps): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const theme = useTheme();
  React.useEffect(() => {
    if (props.passive) {
      return;
    }
    // Lost also when the focused button went disabled or away in this same render: the browser
    // moves the focus to the body only at its next focus fix-up, after this effect.
    const active = document.activeElement;
    const lost = !active || active === document.body || !active.isConnected || active.matches(':disabled');
    if (ref.current && (!props.onlyIfLost || lost)) {
      ref.current.focus();
    }
  }, [props.focusKey]);
  return (
    <div ref={ref} tabIndex={-1} className={focusTargetClassName(theme)} role={props.passive ? props.passiveRole : undefined} data-testid={props['data-testid']}>
      {props.children}
    </div>
  );
}
