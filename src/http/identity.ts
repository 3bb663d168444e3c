/**
 * How the user name a phone types becomes two things that must always agree: the login sent to
 * the mail server and the key of the user's state (devices, sync state, the device limit). Both
 * come from this one function, so no spelling can reach the same mailbox under a second state key.
 */
export type LoginFormat = 'local' | 'email' | 'as-given' | 'as-given-lowercase';

export interface IdentityOptions {
  mailDomain: string;
  loginFormat: LoginFormat;
}

export interface Identity {
  /** What the mail server (IMAP, SMTP, DAV, ManageSieve) gets as the user name. */
  login: string;
  /** The state key: one per mailbox the gateway can tell apart. */
  id: string;
  /** The user's address, for Autodiscover, Settings UserInformation and the `users` table. */
  email: string;
}

export class IdentityError extends Error {
  override readonly name = 'IdentityError';
}

// C0/C1 controls and the characters no mail server takes in a user name.
const FORBIDDEN = /[\p{Cc}\s"]/u;

interface Typed {
  /** The name without a NETBIOS `DOMAIN\` prefix (phones fill a Domain field with anything). */
  name: string;
  local: string;
  domain: string | undefined;
}

/**
 * What each format sends and keys by. `local` and `email` fold case (the host's mailboxes are
 * case-insensitive, as Dovecot's `%Lu` and most IMAP servers make them) and accept only the
 * configured domain: `alice@anything` would otherwise log in as alice under a second state key,
 * bypassing the device limit. `as-given` passes the name through untouched and keys the state by
 * exactly that login, so two spellings that differ in case stay apart, as they are on a
 * case-sensitive server; `as-given-lowercase` is for a server that folds case itself.
 */
const FORMATS: Readonly<
  Record<LoginFormat, (t: Typed, mailDomain: string) => { login: string; id: string }>
> = {
  local: (t, d) => ({ login: ownLocal(t, d), id: `${ownLocal(t, d)}@${d}` }),
  email: (t, d) => ({ login: `${ownLocal(t, d)}@${d}`, id: `${ownLocal(t, d)}@${d}` }),
  'as-given': (t) => ({ login: t.name, id: t.name }),
  'as-given-lowercase': (t) => ({ login: t.name.toLowerCase(), id: t.name.toLowerCase() }),
};

/** Throws IdentityError for a name that cannot be a login here (empty, controls, another domain). */
export function resolveIdentity(typed: string, options: IdentityOptions): Identity {
  const t = parseTyped(typed);
  const mailDomain = options.mailDomain.toLowerCase();
  const { login, id } = FORMATS[options.loginFormat](t, mailDomain);
  return { login, id, email: `${t.local.toLowerCase()}@${(t.domain ?? mailDomain).toLowerCase()}` };
}

function parseTyped(typed: string): Typed {
  const name = typed
    .slice(typed.lastIndexOf('\\') + 1)
    .trim()
    .normalize('NFC');
  if (name === '' || FORBIDDEN.test(name)) throw new IdentityError('not a user name');
  const at = name.lastIndexOf('@');
  const local = at === -1 ? name : name.slice(0, at);
  const domain = at === -1 ? undefined : name.slice(at + 1);
  if (local === '' || domain === '') throw new IdentityError(`"${name}" is not a user name`);
  return { name, local, domain };
}

function ownLocal(t: Typed, mailDomain: string): string {
  if (t.domain !== undefined && t.domain.toLowerCase() !== mailDomain)
    throw new IdentityError(`${t.name} is not in ${mailDomain}`);
  return t.local.toLowerCase();
}
