import { Component, type ReactNode } from 'react';

interface Props {
  /** The screen inside, named in the message. */
  screen: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

/**
 * A screen that fails to render (a token shaped like nothing expected, or a bug) shows a sentence
 * and a way back instead of unmounting the whole app into a blank window. React only offers this
 * as a class component.
 */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="panel" aria-labelledby="screen-failed">
        <h1 id="screen-failed">Something went wrong</h1>
        <p role="alert" className="notice bad">
          The {this.props.screen} screen could not show this ({error.message}). Your keys are not
          affected. Start the screen again, and report this if it happens again.
        </p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Start {this.props.screen} again
        </button>
      </section>
    );
  }
}
