// WeCom member fields a contacts sync source may map into users fields (option `fieldMap`), shared by the server's
// check and both clients' forms.

/** The member fields a mapping may read, besides `extattr:<name>` (a custom attribute of type text or web). */
export const MAPPABLE_WECOM_FIELDS = ['position', 'alias', 'gender', 'telephone', 'direct_leader', 'english_name', 'external_position'] as const;

export type MappableWecomField = (typeof MAPPABLE_WECOM_FIELDS)[number];

/** The prefix of a custom attribute's mapping: `extattr:Employee No.`. */
export const EXTATTR_PREFIX = 'extattr:';

/**
 * Mappable fields WeCom hides from the app's own Secret when the app was created after 2022-06-20 (user/get and
 * user/list answer no mobile, email, gender, avatar, address to it): only the contacts-sync Secret reads them.
 */
export const HIDDEN_FROM_NEW_APPS: readonly MappableWecomField[] = ['gender'];

/** Users fields the sync writes itself (nickname from the name, phone from the mobile, email, username by its option). */
export const USERS_FIELDS_WRITTEN_BY_SYNC: readonly string[] = ['nickname', 'email', 'phone', 'username'];

/**
 * Users fields a mapping never writes: who a user is, what it may do, and what NocoBase keeps itself (plugin-users
 * would write any key of a synced record into the user, roles and system fields included).
 */
export const GUARDED_USERS_FIELDS: readonly string[] = [
  'id',
  'uid',
  'password',
  'roles',
  'defaultRole',
  'createdAt',
  'updatedAt',
  'createdById',
  'updatedById',
  'createdBy',
  'updatedBy',
  'sort',
  'appLang',
  'resetToken',
  'systemSettings',
  'departments',
  'mainDepartment',
  'mainDepartmentId',
  'isDeleted',
  'status',
  'authenticators',
  'usersAuthenticators',
];

/** Database types of users fields that hold a WeCom text as it is. */
export const TEXT_FIELD_TYPES: readonly string[] = ['string', 'text'];
