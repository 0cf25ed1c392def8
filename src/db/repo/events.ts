import type { Kysely } from 'kysely';
import { firstRow, prepared } from '../prepared.ts';
import type { Database, EventRow } from '../schema.ts';

const eventById = prepared((db, v: { id: string }) => db.selectFrom('events').selectAll().where('id', '=', v.id));

export const getEvent = (db: Kysely<Database>, id: string): Promise<EventRow | undefined> => firstRow(db, eventById(db, { id }));
