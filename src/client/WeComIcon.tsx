/** A small WeCom mark: a speech bubble in the brand's blue. */
export const WeComIcon = () => (
  <svg viewBox="0 0 24 24" width="1.2em" height="1.2em" aria-hidden="true" style={{ verticalAlign: '-.25em' }}>
    <ellipse cx="11" cy="10.5" rx="9.5" ry="7.5" fill="#0082EF" />
    <path d="M5 15.5 4 21l5.5-3.5z" fill="#0082EF" />
    <circle cx="18.5" cy="17.5" r="3.5" fill="#FA9D3B" stroke="#fff" />
  </svg>
);
