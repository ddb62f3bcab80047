// What the callback page shows, in both clients: a spinner while the login finishes, then the outcome with
// the ways forward (docs/architecture.md, "Callback route").
import { Alert, Button, Space, Spin } from 'antd';
import type { Outcome } from './callback-flow';
import { useT } from './locale';

export interface CallbackViewProps {
  outcome?: Outcome;
  /** The same login again: same authenticator and return path. */
  retryHref: string;
  onRetry(): void;
  backHref: string;
}

export function CallbackView({ outcome, retryHref, onRetry, backHref }: CallbackViewProps) {
  const t = useT();
  if (!outcome) {
    return (
      <Space direction="vertical" size="large" style={{ width: '100%', alignItems: 'center' }}>
        <Spin size="large" />
        {t('Signing in with WeCom…')}
      </Space>
    );
  }
  const retry = outcome.cancelled || outcome.retry;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      {outcome.cancelled ? (
        <Alert type="info" showIcon message={outcome.message} />
      ) : (
        <Alert type="error" showIcon message={t('WeCom sign-in failed')} description={outcome.message} />
      )}
      {retry && (
        // Silent in the WeCom client, which brings the consent screen when the member needs it.
        <Button type="primary" block href={retryHref} onClick={onRetry}>
          {t('Try again')}
        </Button>
      )}
      <Button type={retry ? 'default' : 'primary'} block href={backHref}>
        {t('Back to sign-in')}
      </Button>
    </Space>
  );
}
