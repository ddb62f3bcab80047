// "Remove" for a saved callback Token and EncodingAESKey in a /v/ drawer, the authenticator's (app callback) and
// a sync source's (contacts callback), as src/client/sync/RemoveCallback.tsx in v1 (an empty field keeps a saved
// secret): marks both in `options.removeSecrets`, which the server honours on save (docs/architecture.md,
// write-only secrets).
import { Button, Form, Space, Typography } from 'antd';
import { useT } from '../../client-common/locale';
import { CALLBACK_SECRET_PATHS, hasSavedCallback, removesCallback } from '../../client-common/sync/contacts';
import { REMOVE_SECRETS } from '../../shared/secrets';

/** A form control without a view: holds `options.removeSecrets`. */
function Nothing(_: { value?: unknown; onChange?: (value: unknown) => void }) {
  return null;
}

export function RemoveCallback({ options }: { options: unknown }) {
  const t = useT();
  const form = Form.useFormInstance();
  return (
    <>
      {/* Registered so that the drawer saves it with the other options; renders nothing itself. */}
      <Form.Item name={['options', REMOVE_SECRETS]} noStyle>
        <Nothing />
      </Form.Item>
      {hasSavedCallback(options) && (
        <Form.Item>
          {removesCallback(options) ? (
            <Space>
              <Typography.Text type="warning">{t('The saved Token and EncodingAESKey will be removed when you save.')}</Typography.Text>
              <Button onClick={() => form.setFieldValue(['options', REMOVE_SECRETS], undefined)}>{t('Keep them')}</Button>
            </Space>
          ) : (
            <Button
              onClick={() => {
                for (const path of CALLBACK_SECRET_PATHS) form.setFieldValue(['options', path], '');
                form.setFieldValue(['options', REMOVE_SECRETS], [...CALLBACK_SECRET_PATHS]);
              }}
            >
              {t('Remove the saved Token and EncodingAESKey')}
            </Button>
          )}
        </Form.Item>
      )}
    </>
  );
}
