// What a robot's refusal means for the admin who reads the send log or presses "Send a test message": the fix,
// in their language (English locale keys). The errcodes are WeCom's for the webhook (wecom-facts-3 §4, §6).
import { reasonFromWecom, Reason } from '../common/errors';
import { WecomApiError } from '../wecom/errors';

export function reasonFromRobot(error: WecomApiError): Reason {
  if (error.failure !== 'errcode') return reasonFromWecom(error);
  const config = (message: string): Reason => ({ code: 'WECOM_CONFIG', status: 502, message, params: { errcode: error.errcode ?? '?' }, field: 'webhookKey' });
  switch (error.errcode) {
    case 93000:
      return config(
        'WeCom does not accept this webhook key (error {{errcode}}): the key is wrong, or the robot was removed from its group. Add the robot to the group again and paste its webhook address into the channel.',
      );
    case 93004:
      return config('The robot is disabled (error {{errcode}}). Enable it in the group\'s robot settings, or add a new robot and paste its webhook address into the channel.');
    case 93008:
      return config('The robot is not in its group any more (error {{errcode}}). Add it to the group again, or paste the webhook address of another robot into the channel.');
    case 40008:
    case 40058:
    case 44004:
    case 45002:
      return {
        code: 'WECOM_MESSAGE_INVALID',
        status: 400,
        message: 'WeCom refused the message as empty, too long or malformed (error {{errcode}}). Shorten the message or fix its fields in the notification node, then send it again.',
        params: { errcode: error.errcode ?? '?' },
      };
    default:
      return reasonFromWecom(error);
  }
}
