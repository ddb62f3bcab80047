import { useAPIClient } from '@nocobase/client';
import { useForm } from '@formily/react';
import { Alert, Button, Space } from 'antd';
import { useState } from 'react';
import { RESOURCE } from '../../constants';
import { useT } from '../locale';
import { apiError } from '../messages';
import type { DrawerValues } from './values';

interface CheckResult {
  ok: boolean;
  message: string;
}

/** Asks the server to try the form's current values against WeCom, and shows the answer here. */
export function CheckConfig() {
  const t = useT();
  const api = useAPIClient();
  const form = useForm<DrawerValues>();
  const [loading, setLoading] = useState(false);
  const [result, setResult] = useState<CheckResult>();

  const check = async () => {
    setLoading(true);
    setResult(undefined);
    try {
      const { name, options } = form.values;
      const response = await api.request<{ data: CheckResult }>({
        url: `${RESOURCE}:checkConfig`,
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
    </Space>
  );
}
