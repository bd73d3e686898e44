import * as React from 'react';
import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import en from '../loc/en-us';
import { isChunkLoadError, LazyBoundary } from './LazyBoundary';

class Outer extends React.Component<{ children?: React.ReactNode }, { caught?: string }> {
  public state: { caught?: string } = {};
  public static getDerivedStateFromError(error: Error): { caught: string } {
    return { caught: error.message };
  }
  public render(): React.ReactNode {
    return this.state.caught ? <p>outer caught: {this.state.caught}</p> : this.props.children;
  }
}

function failingPart(error: Error): React.ComponentType {
  return React.lazy(() => Promise.reject(error));
}

describe('LazyBoundary', () => {
  let consoleError: jest.SpyInstance;
  beforeEach(() => {
    // React logs every caught render error; the assertions below are about where it lands.
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => consoleError.mockRestore());

  it('LazyBoundary - a chunk that cannot be fetched shows the message and a Reload the page button', async () => {
    const chunkError = Object.assign(new Error('Loading chunk lms-classic failed.'), { name: 'ChunkLoadError' });
    const Part = failingPart(chunkError);
    render(<Outer><LazyBoundary strings={en}><Part /></LazyBoundary></Outer>);
    expect(await screen.findByText(en.chunkLoadFailed)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.reloadPage })).toBeInTheDocument();
    expect(screen.queryByText(/outer caught/)).not.toBeInTheDocument();
  });

  it('LazyBoundary - any other render error is not hidden: it reaches the boundary above', async () => {
    const Part = failingPart(new Error('a bug in the part'));
    render(<Outer><LazyBoundary strings={en}><Part /></LazyBoundary></Outer>);
    expect(await screen.findByText('outer caught: a bug in the part')).toBeInTheDocument();
    expect(screen.queryByText(en.chunkLoadFailed)).not.toBeInTheDocument();
  });

  it('LazyBoundary - knows the failed dynamic imports of webpack and of browsers', () => {
    expect(isChunkLoadError(Object.assign(new Error('x'), { name: 'ChunkLoadError' }))).toBe(true);
    expect(isChunkLoadError(new TypeError('Failed to fetch dynamically imported module: http://localhost/a.js'))).toBe(true);
    expect(isChunkLoadError(new TypeError('error loading dynamically imported module'))).toBe(true);
    expect(isChunkLoadError(new TypeError('Cannot read properties of undefined'))).toBe(false);
    expect(isChunkLoadError('ChunkLoadError')).toBe(false);
  });
});
