import type { DavCollectionKind } from '../../model/folder-type.js';
import type { MixedCollectionPolicy } from './config.js';
import { CALDAV_NS, CARDDAV_NS, DAV_NS, foundProp, type DavResponse } from './multistatus.js';
import { child, children } from './xml.js';

/** What a collection holds: 'mixed' is a calendar collection for both VEVENT and VTODO. */
export type CollectionShape = 'calendar' | 'tasks' | 'mixed' | 'contacts';

export function shapeOf(response: DavResponse): CollectionShape | undefined {
  const resourcetype = foundProp(response, DAV_NS, 'resourcetype');
  // Checked first: Radicale reports a supported-calendar-component-set on address books too.
  if (child(resourcetype, CARDDAV_NS, 'addressbook')) return 'contacts';
  if (!child(resourcetype, CALDAV_NS, 'calendar')) return undefined;
  const set = foundProp(response, CALDAV_NS, 'supported-calendar-component-set');
  // RFC 4791 5.2.3: without the property the collection accepts every component type.
  if (!set) return 'mixed';
  const comps = new Set(children(set, CALDAV_NS, 'comp').map((c) => c.attributes.get('name')?.toUpperCase()));
  const events = comps.has('VEVENT');
  const tasks = comps.has('VTODO');
  if (events && tasks) return 'mixed';
  if (events) return 'calendar';
  if (tasks) return 'tasks';
  return undefined;
}

/**
 * The kinds each collection is offered as. A mixed collection is always a calendar; whether it is
 * also a task list follows the policy (see MixedCollectionPolicy), judged over all collections.
 */
export function kindsOf(
  shapes: readonly (CollectionShape | undefined)[],
  policy: MixedCollectionPolicy,
): DavCollectionKind[][] {
  const hasTaskList = shapes.includes('tasks');
  const mixedAsTasks = policy === 'always' || (policy === 'when-no-task-list' && !hasTaskList);
  return shapes.map((shape): DavCollectionKind[] => {
    if (shape === undefined) return [];
    if (shape === 'mixed') return mixedAsTasks ? ['calendar', 'tasks'] : ['calendar'];
    return [shape];
  });
}
