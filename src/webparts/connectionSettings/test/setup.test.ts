import '@testing-library/jest-dom';
import { configure } from '@testing-library/dom';
import { act, configure as configureReact } from '@testing-library/react';
import { setIconOptions } from '@fluentui/react/lib/Styling';

// A page test clicks through several Fluent UI components; on a shared, busy machine that takes
// longer than jest's default 5 s without anything being wrong.
jest.setTimeout(120000);

// Icons are not registered in unit tests; their absence is not what these tests are about.
setIconOptions({ disableWarnings: true });

// user-event 14 dispatches through the @testing-library/dom it resolves (10.x, top of node_modules),
// while @testing-library/react 12 wraps events in act() only on its own nested copy (8.x). Give
// user-event's copy the same wrappers, so what a click or a keystroke sets off (a save, a
// disconnect, a reload) runs inside act() while the test awaits the user-event call.
configure({
  asyncWrapper: async <T>(cb: () => Promise<T>): Promise<T> => {
    let result: T | undefined;
    await act(async () => {
      result = await cb();
    });
    return result as T;
  },
  eventWrapper: <T>(cb: () => T): T => {
    let result: T | undefined;
    act(() => {
      result = cb();
    });
    return result as T;
  }
});

// The page loads the error catalogue's texts with the first part that explains an error
// (loc/index.ts loadErrorTexts); tests render those parts with strings that carry them already.
// eslint-disable-next-line @typescript-eslint/no-var-requires
require('../loc/en-us').default.errors = require('@lms-m365/contracts/errors/en').default;
// eslint-disable-next-line @typescript-eslint/no-var-requires
require('../loc/ja-jp').default.errors = require('@lms-m365/contracts/errors/ja').default;

// findBy* and waitFor come from @testing-library/react's own copy of the DOM library, whose 1 s
// default is thin for a page part loaded lazily on a loaded machine: 5 s, still well under jest's.
configureReact({ asyncUtilTimeout: 5000 });
