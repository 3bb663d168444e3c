import { Buffer } from 'node:buffer';
import { el, type WbxmlElement } from '../../wbxml/index.js';
import { contactFields } from './contact-codec.js';
import { photoOf } from './mappers.js';
import { byPref, paramValues, parseVCard, textOf, typesOf, type VProp } from './vcard.js';

// A directory (GAL) entry out of a vCard, for Search GAL results and ResolveRecipients.

export interface DirectoryEntry {
  readonly displayName: string;
  readonly firstName?: string;
  readonly lastName?: string;
  /** The preferred address; also the first of `emailAddresses`. */
  readonly emailAddress?: string;
  readonly emailAddresses: readonly string[];
  /** The business number, as Contacts:BusinessPhoneNumber would show it. */
  readonly phone?: string;
  readonly mobilePhone?: string;
  readonly homePhone?: string;
  readonly company?: string;
  readonly title?: string;
  readonly office?: string;
  readonly alias?: string;
  /** The whole photo, whatever its size: the caller applies Search's MaxSize. */
  readonly picture?: { readonly data: Uint8Array; readonly mediaType: string };
  /** X.509 certificates from KEY (DER), for ResolveRecipients Certificates. */
  readonly certificates: readonly Uint8Array[];
}

export function directoryEntryOf(source: string): DirectoryEntry {
  const card = parseVCard(source);
  const f = contactFields(card);
  const get = (tag: Parameters<typeof f.get>[0]): string | undefined => {
    const v = f.get(tag);
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const emailAddresses = byPref(card.props.filter((p) => p.name === 'email'))
    .map((p) => textOf(p).trim())
    .filter((s) => s !== '');
  const firstName = get('Contacts:FirstName');
  const lastName = get('Contacts:LastName');
  const emailAddress = emailAddresses[0];
  const displayName =
    get('Contacts:FileAs') ??
    ([firstName, lastName].filter(Boolean).join(' ') || get('Contacts:CompanyName') || emailAddress || '');
  const photo = byPref(card.props.filter((p) => p.name === 'photo'))
    .map(photoOf)
    .find((x) => x !== undefined && x.base64 !== '');
  return {
    displayName,
    firstName,
    lastName,
    emailAddress,
    emailAddresses,
    phone: get('Contacts:BusinessPhoneNumber'),
    mobilePhone: get('Contacts:MobilePhoneNumber'),
    homePhone: get('Contacts:HomePhoneNumber'),
    company: get('Contacts:CompanyName'),
    title: get('Contacts:JobTitle'),
    office: get('Contacts:OfficeLocation'),
    // The mailbox alias of a directory entry: the local part of its preferred address.
    alias: emailAddress?.split('@')[0] || undefined,
    picture: photo && {
      data: new Uint8Array(Buffer.from(photo.base64, 'base64')),
      mediaType: photo.mediaType,
    },
    certificates: card.props.filter((p) => p.name === 'key').flatMap(certificateOf),
  };
}

/** KEY as an X.509 certificate: 3.0 `ENCODING=b;TYPE=X509`, 4.0 `data:application/pkix-cert;base64,`. */
function certificateOf(p: VProp): Uint8Array[] {
  const v = textOf(p).replace(/\s+/g, '');
  let base64: string | undefined;
  const data = /^data:([^;,]*)(?:;[^,]*)?;base64,(.*)$/i.exec(v);
  if (data) {
    if (/x509|pkix|x-x509/i.test(data[1]!)) base64 = data[2];
  } else if (p.type === 'binary' || paramValues(p, 'encoding')[0] === 'b') {
    const types = typesOf(p);
    if (!types.has('pgp') && !types.has('gpg') && !types.has('application/pgp-keys')) base64 = v;
  }
  if (base64 === undefined) return [];
  const der = new Uint8Array(Buffer.from(base64, 'base64'));
  // A DER certificate is a SEQUENCE.
  return der.length > 0 && der[0] === 0x30 ? [der] : [];
}

export interface GalPictureRequest {
  /** MS-ASCMD 2.2.3.105.3 MaxSize: bytes of one photo. */
  readonly maxSize?: number;
  /** The client asked for pictures (Search Options Picture, 14.1+). */
  readonly include: boolean;
  /** MS-ASCMD 2.2.3.104.3: MaxPictures photos were already returned for this query. */
  readonly limitReached?: boolean;
}

/** MS-ASCMD 2.2.3.177 Status values of a gal:Picture. */
export const GalPictureStatus = {
  Success: 1,
  NoPicture: 173,
  PictureTooLarge: 174,
  PictureLimitReached: 175,
} as const;

/**
 * The gal:* children of a Search GAL result's Properties (MS-ASCMD 2.2.3.139.3), in that order:
 * DisplayName, Phone, Office, Title, Company, Alias, FirstName, LastName, HomePhone, MobilePhone,
 * EmailAddress, Picture. gal:Data carries the photo as base64 text, as Contacts:Picture does.
 */
export function renderGalProperties(entry: DirectoryEntry, picture: GalPictureRequest): WbxmlElement[] {
  const out: WbxmlElement[] = [el('GAL:DisplayName', entry.displayName)];
  const opt = (tag: Parameters<typeof el>[0], v: string | undefined): void => {
    if (v !== undefined && v !== '') out.push(el(tag, v));
  };
  opt('GAL:Phone', entry.phone);
  opt('GAL:Office', entry.office);
  opt('GAL:Title', entry.title);
  opt('GAL:Company', entry.company);
  opt('GAL:Alias', entry.alias);
  opt('GAL:FirstName', entry.firstName);
  opt('GAL:LastName', entry.lastName);
  opt('GAL:HomePhone', entry.homePhone);
  opt('GAL:MobilePhone', entry.mobilePhone);
  opt('GAL:EmailAddress', entry.emailAddress);
  if (picture.include) out.push(galPicture(entry, picture));
  return out;
}

function galPicture(entry: DirectoryEntry, req: GalPictureRequest): WbxmlElement {
  const status = (s: number): WbxmlElement => el('GAL:Picture', el('GAL:Status', s));
  const photo = entry.picture;
  if (!photo || photo.data.length === 0) return status(GalPictureStatus.NoPicture);
  if (req.maxSize !== undefined && photo.data.length > req.maxSize)
    return status(GalPictureStatus.PictureTooLarge);
  if (req.limitReached) return status(GalPictureStatus.PictureLimitReached);
  return el(
    'GAL:Picture',
    el('GAL:Status', GalPictureStatus.Success),
    el(
      'GAL:Data',
      Buffer.from(photo.data.buffer, photo.data.byteOffset, photo.data.byteLength).toString('base64'),
    ),
  );
}
