import { el } from '../../../src/wbxml/index.js';
import { itemOperationsFetch } from '../../support/mail-sync.js';
import { bodyPreference, folderSync0, provisioning, type Flow } from './steps.js';
import { IPHONE } from './clients.js';

// Searching from the phone: the directory while typing a recipient (Search GAL) and the mailbox on
// the server (Search Mailbox), then opening a hit by its LongId (ItemOperations Fetch).

const iosSearch: Flow = {
  name: 'ios-16.1-search',
  needs: ['gal'],
  ...IPHONE,
  user: 'dave',
  source:
    'iOS Mail at 16.1: typing a recipient searches the GAL (MS-ASCMD 2.2.1.16, Range 0-99 as iOS asks); "search all mailboxes" on the server is Search Mailbox with Class Email and FreeText, a Range and a plain text preview (MS-ASCMD 4.12.5); tapping a hit fetches it by LongId with ItemOperations (MS-ASCMD 2.2.3.96)',
  steps: [
    ...provisioning,
    folderSync0,
    {
      cmd: 'Search',
      withPolicyKey: true,
      body: el(
        'Search:Search',
        el(
          'Search:Store',
          el('Search:Name', 'GAL'),
          el('Search:Query', 'schmidt'),
          el('Search:Options', el('Search:Range', '0-99')),
        ),
      ),
    },
    {
      cmd: 'Search',
      withPolicyKey: true,
      body: el(
        'Search:Search',
        el(
          'Search:Store',
          el('Search:Name', 'Mailbox'),
          el(
            'Search:Query',
            el('Search:And', el('AirSync:Class', 'Email'), el('Search:FreeText', 'Trace message 1')),
          ),
          el('Search:Options', el('Search:Range', '0-24'), bodyPreference(1, 500)),
        ),
      ),
    },
    {
      cmd: 'ItemOperations',
      withPolicyKey: true,
      body: (s) =>
        itemOperationsFetch(
          el('Search:LongId', s.found[0] ?? ''),
          el('ItemOperations:Options', bodyPreference(1)),
        ),
    },
  ],
};

export const SEARCH_FLOWS: Flow[] = [iosSearch];
