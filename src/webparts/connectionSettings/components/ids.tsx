import * as React from 'react';
import { getId } from '@fluentui/react/lib/Utilities';

/** Builds an element id of this web part from a name ("status-heading"). */
export type IdOf = (name: string) => string;

const IdPrefix = React.createContext<string | undefined>(undefined);

/**
 * A prefix for this web part's element ids, one per instance: two web parts on one page (or a
 * page and its Teams tab copy) would otherwise share ids, and a label or description would point
 * at the other one's element. Fluent's getId is what @fluentui/react-hooks' useId uses (React 17
 * has no React.useId); the package itself is not a dependency of the web part.
 */
export function useIdPrefix(): string {
  const [prefix] = React.useState<string>(() => getId('lms-'));
  return prefix;
}

/** Gives the parts under it the page's id prefix. */
export function IdPrefixProvider(props: { prefix: string; children?: React.ReactNode }): JSX.Element {
  return <IdPrefix.Provider value={props.prefix}>{props.children}</IdPrefix.Provider>;
}

/**
 * The ids of a part: under the page, with the page's prefix; rendered on its own (a test, a
 * lazily loaded part's preview), with a prefix of its own - never a fixed id.
 */
export function useIds(): IdOf {
  const given = React.useContext(IdPrefix);
  const [own] = React.useState<string | undefined>(() => (given ? undefined : getId('lms-')));
  const prefix = given || own || 'lms';
  return React.useCallback((name: string) => `${prefix}-${name}`, [prefix]);
}
