import '@testing-library/jest-dom';
import { setIconOptions } from '@fluentui/react/lib/Styling';

// Icons are not registered in unit tests; their absence is not what these tests are about.
setIconOptions({ disableWarnings: true });
