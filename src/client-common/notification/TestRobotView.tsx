// "Send a test message" of both clients' `wecom-robot` channel forms (props only: no form library).
import { Alert, Button, Space } from 'antd';
import { useState } from 'react';
import { useT } from '../locale';
import { sendTestMessage, type TestRobotRequest, type TestRobotValues } from './robot';

/**
 * Sends with the key as typed, or the saved one of this channel, and says what WeCom answered. `values` is read
 * when the button is clicked, from the drawer's form.
 */
export function TestRobotView({ request, values }: { request: TestRobotRequest; values: () => TestRobotValues }) {
  const t = useT();
  const [state, setState] = useState<{ busy?: boolean; ok?: boolean; message?: string }>({});
  const run = async () => {
    setState({ busy: true });
    setState(await sendTestMessage(request, values()));
  };
  return (
    <Space direction="vertical" style={{ width: '100%', marginBottom: 16 }}>
      <Button onClick={run} loading={state.busy} data-testid="wecom-robot-test">
        {t('Send a test message')}
      </Button>
      {state.message && <Alert type={state.ok ? 'success' : 'error'} showIcon message={state.message} data-testid="wecom-robot-test-answer" />}
    </Space>
  );
}
