// What the WeCom sign-in button shows, in both clients: the last failure's reason and the button, or, while
// automatic login leaves for WeCom, a cover over the sign-in form (the password form never flashes).
import { Alert, Button, Spin, Tooltip } from 'antd';
import { useT } from './locale';
import { recentFailure } from './session';

/** A small WeCom mark: a speech bubble in the brand's blue. */
const WeComIcon = () => (
  <svg viewBox="0 0 24 24" width="1.2em" height="1.2em" aria-hidden="true" style={{ verticalAlign: '-.25em' }}>
    <ellipse cx="11" cy="10.5" rx="9.5" ry="7.5" fill="#0082EF" />
    <path d="M5 15.5 4 21l5.5-3.5z" fill="#0082EF" />
    <circle cx="18.5" cy="17.5" r="3.5" fill="#FA9D3B" stroke="#fff" />
  </svg>
);

export interface SignInButtonViewProps {
  /** Automatic login is leaving for WeCom. */
  auto: boolean;
  /** The authenticator's name: the reason its last login failed is shown above the button. */
  name: string;
  /** The administrator's title and tooltip, already localized. */
  title?: string;
  tooltip?: string;
  href: string;
  onClick(): void;
}

export function SignInButtonView({ auto, name, title, tooltip, href, onClick }: SignInButtonViewProps) {
  const t = useT();
  if (auto) {
    return (
      <div
        role="status"
        style={{ position: 'fixed', inset: 0, zIndex: 1000, background: '#fff', display: 'grid', placeContent: 'center', gap: 16 }}
      >
        <Spin size="large" />
        {t('Signing in with WeCom…')}
      </div>
    );
  }
  const failure = recentFailure(name);
  return (
    <>
      {failure && <Alert type={failure.cancelled ? 'info' : 'error'} showIcon message={failure.message} style={{ marginBottom: 8 }} />}
      <Tooltip title={tooltip}>
        <Button block icon={<WeComIcon />} href={href} onClick={onClick}>
          {title || t('WeCom')}
        </Button>
      </Tooltip>
    </>
  );
}
