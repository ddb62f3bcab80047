import { Alert, Button, Space } from 'antd';
import { useEffect, useState } from 'react';
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
 * `wecom:checkConfig` by default) to try the drawer's current `values` against WeCom (the saved secret when
 * its field is empty), and shows the answer here until a value it checked changes. The form renders it again
 * whenever a value changes (v1: through formily's observer, which sees `values` read here).
 */
export function CheckConfigView({ request, values, action = `${RESOURCE}:checkConfig` }: { request: Request; values: CheckValues; action?: string }) {
  const t = useT();
  const [loading, setLoading] = useState(false);
  const current = JSON.stringify({ name: values.name, options: values.options });
  const [checked, setChecked] = useState<{ values: string; result: CheckResult }>();
  const result = checked?.values === current ? checked.result : undefined;
  // Gone for good once a value changes, also when it is changed back.
  useEffect(() => {
    if (checked && checked.values !== current) setChecked(undefined);
  }, [checked, current]);

  const check = async () => {
    setLoading(true);
    setChecked(undefined);
    const sent = current;
    try {
      const response = await request<{ data: CheckResult }>({
        url: action,
        method: 'post',
        data: JSON.parse(sent) as CheckValues,
        skipNotify: true,
      });
      setChecked({ values: sent, result: response.data.data });
    } catch (error) {
      setChecked({ values: sent, result: { ok: false, message: apiError(error, t).message } });
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
