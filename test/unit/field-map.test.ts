// The field mapping's pure parts: the rows a source may save, what WeCom's member answer gives each mapped field.
import { describe, expect, it } from 'vitest';
import { mappedValues, validUsername } from '../../src/server/sync/field-map';
import { parseFieldMap, SyncConfigError } from '../../src/server/sync/options';
import { mappedUserRecord } from '../../src/server/sync/records';
import { parseMember } from '../../src/server/wecom/contacts';

/** user/get of a member as WeCom answers it to the contacts-sync Secret [90196]. */
const ANSWER = {
  errcode: 0,
  userid: 'zhangsan',
  name: 'Zhang San',
  department: [1, 2],
  is_leader_in_dept: [0, 1],
  direct_leader: ['lisi', 'wangwu'],
  position: 'Engineer',
  gender: '1',
  alias: 'Sam',
  telephone: '',
  external_position: 'Senior engineer',
  status: 1,
  extattr: {
    attrs: [
      { type: 0, name: 'Employee No.', text: { value: 'E1001' } },
      { type: 1, name: 'Homepage', web: { url: 'https://demo.example/zhangsan', title: 'Zhang San' } },
      { type: 2, name: 'Mini', miniprogram: { appid: 'wx1', pagepath: '/p', title: 'Mini' } },
    ],
  },
};

const refusal = (value: unknown) => {
  try {
    parseFieldMap(value);
  } catch (error) {
    if (error instanceof SyncConfigError) return error.message;
    throw error;
  }
  return undefined;
};

describe('field mapping', () => {
  it('keeps the rows a form sends, dropping wholly empty ones', () => {
    expect(parseFieldMap([{ from: ' position ', to: 'jobTitle' }, {}, { from: '', to: '' }, { from: 'extattr:Employee No.', to: 'employeeNo' }])).toEqual([
      { from: 'position', to: 'jobTitle' },
      { from: 'extattr:Employee No.', to: 'employeeNo' },
    ]);
    expect(parseFieldMap(undefined)).toEqual([]);
  });

  it.each([
    ['not a list', { from: 'position', to: 'x' }, 'The field mapping must be a list of rows, each a WeCom field and a users field.'],
    ['a WeCom field that cannot be mapped', [{ from: 'mobile', to: 'x' }], 'The WeCom field "mobile" cannot be mapped: choose one of the list, or extattr:<name> for a custom attribute.'],
    ['a custom attribute without its name', [{ from: 'extattr:', to: 'x' }], 'The WeCom field "extattr:" cannot be mapped: choose one of the list, or extattr:<name> for a custom attribute.'],
    ['no users field', [{ from: 'alias' }], 'Choose the users field that receives the WeCom field "alias".'],
    ['a users field name that is no field name', [{ from: 'alias', to: 'a.b' }], 'Choose the users field that receives the WeCom field "alias".'],
    ['one users field twice', [{ from: 'alias', to: 'x' }, { from: 'position', to: 'x' }], 'The users field "x" is mapped twice: each users field receives one WeCom field.'],
  ])('refuses %s', (_, value, message) => {
    expect(refusal(value)).toBe(message);
  });

  it("reads WeCom's shapes: the first leader, text and web attributes, an empty answer as null", () => {
    const member = parseMember(ANSWER)!;
    const map = [
      { from: 'position', to: 'jobTitle' },
      { from: 'gender', to: 'gender' },
      { from: 'telephone', to: 'landline' },
      { from: 'direct_leader', to: 'leader' },
      { from: 'external_position', to: 'externalTitle' },
      { from: 'extattr:Employee No.', to: 'employeeNo' },
      { from: 'extattr:Homepage', to: 'homepage' },
      { from: 'extattr:Mini', to: 'mini' },
      { from: 'extattr:Missing', to: 'missing' },
      { from: 'english_name', to: 'englishName' },
    ];
    expect(mappedValues(member, map)).toEqual({
      jobTitle: 'Engineer',
      gender: '1',
      landline: null,
      leader: 'lisi',
      externalTitle: 'Senior engineer',
      employeeNo: 'E1001',
      homepage: 'https://demo.example/zhangsan',
    });
  });

  it("cuts a value at its string field's length", () => {
    const member = parseMember({ ...ANSWER, position: '职'.repeat(300) })!;
    expect(mappedValues(member, [{ from: 'position', to: 'jobTitle', max: 255 }]).jobTitle).toBe('职'.repeat(255));
  });

  it('leaves out what WeCom hides from an app created after 2022-06-20 (no gender in its answer)', () => {
    const { gender: _, ...hidden } = ANSWER;
    expect(mappedValues(parseMember(hidden)!, [{ from: 'gender', to: 'gender' }])).toEqual({});
  });

  it('never lets a mapped value replace what the sync itself writes, and maps nothing into a departed member', () => {
    const record = mappedUserRecord(parseMember(ANSWER)!, [{ from: 'alias', to: 'jobTitle' }]);
    expect(record).toMatchObject({ uid: 'zhangsan', nickname: 'Zhang San', jobTitle: 'Sam' });
    expect(mappedUserRecord(parseMember({ ...ANSWER, status: 5 })!, [{ from: 'alias', to: 'jobTitle' }])).toEqual({ uid: 'zhangsan', isDeleted: true });
  });

  it("accepts as a username only what NocoBase's username rule accepts", () => {
    expect(validUsername('zhangsan')).toBe(true);
    expect(validUsername('zhang.san')).toBe(false);
    expect(validUsername('a@b')).toBe(false);
    expect(validUsername('x'.repeat(51))).toBe(false);
  });
});
