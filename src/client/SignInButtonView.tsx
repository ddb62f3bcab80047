// What the WeCom sign-in button shows, in both clients: the last failure's reason and the button, or, while
// automatic login leaves for WeCom, a cover over the sign-in form (the password form never flashes).
import { Alert, Button, Spin, Tooltip } from 'antd';
import { useT } from './locale';
import { WeComIcon } from './WeComIcon';

export interface SignInButtonViewProps {
  /** Automatic login is leaving for WeCom. */
  auto: boolean;
  failure?: { message: string; cancelled: boolean };
  /** The administrator's title and tooltip, already localized. */
  title?: string;
  tooltip?: string;
  href: string;
  onClick(): void;
}

export function SignInButtonView({ auto, failure, title, tooltip, href, onClick }: SignInButtonViewProps) {
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
