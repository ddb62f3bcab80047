import { Alert, Button, Space } from 'antd';
import { useState } from 'react';
import { RESOURCE } from '../../constants';
import { useT } from '../locale';
import { apiError } from '../messages';

interface CheckResult {
  ok: boolean;
  message: string;
  /** A sub-app sharing the main app's sign-in secret (wecom:checkConfig). */
  warning?: string;
}

/** What the check is about: a record's saved name (an empty write-only field then means the saved value) and the form's options. */
export interface CheckValues {
  name?: string;
  options?: unknown;
}

type Request = <T>(config: { url: string; method: 'post'; data: unknown; skipNotify: boolean }) => Promise<{ data: T }>;

/**
 * "Check configuration" of both clients' authenticator and sync source forms: asks the server (`action`,
 * `wecom:checkConfig` by default) to try the drawer's current values against WeCom (the saved secret when
 * its field is empty), and shows the answer here.
 */
export function CheckConfigView({ request, values, action = `${RESOURCE}:checkConfig` }: { request: Request; values: () => CheckValues; action?: string }) {
  const t = useT();
  const [loading, setLoading] = useState(false);
  const [result, setResult] = useState<CheckResult>();

  const check = async () => {
    setLoading(true);
    setResult(undefined);
    try {
      const { name, options } = values();
      const response = await request<{ data: CheckResult }>({
        url: action,
        method: 'post',
        data: { name, options },
        skipNotify: true,
      });
      setResult(response.data.data);
    } catch (error) {
      setResult({ ok: false, message: apiError(error, t).message });
    } finally {
      setLoading(false);
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Button loading={loading} onClick={check}>
        {t('Check configuration')}
      </Button>
      {result && <Alert type={result.ok ? 'success' : 'error'} showIcon message={result.message} />}
      {result?.warning && <Alert type="warning" showIcon message={result.warning} />}
    </Space>
  );
}
