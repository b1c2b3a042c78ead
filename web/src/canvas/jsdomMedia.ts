// jsdom has no matchMedia, which Mantine asks for the color scheme: this answers "no match" to
// every query (the light scheme), for tests of components that render Mantine.
export function withMatchMedia(): void {
  window.matchMedia ??= ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  })) as typeof window.matchMedia;
}
