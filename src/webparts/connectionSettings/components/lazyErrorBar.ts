import * as React from 'react';
import { withErrorTexts } from '../loc';

/**
 * The error bar as every part shows it: loaded when first needed, with the error texts it shows (a
 * chunk of their own) - one lazy component for the page's parts, not one per part.
 */
export const LazyErrorBar = React.lazy(withErrorTexts(() => import(/* webpackChunkName: 'lms-errors' */ './ErrorBar')));
