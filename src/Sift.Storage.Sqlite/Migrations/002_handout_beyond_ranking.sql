-- Sift schema, version 2 (SQLite): hand-out past the stored ranking (only the top of a ranking is stored).
-- cold_key: the item's place in the cold-start order (ColdStartOrder.StoredKey of the project's seed and the external
--   id), written by the store on import, when the seed changes and, for items stored before this version, on migrate.
-- free_slots: the project's overlap minus holders; moves with holders and with the overlap. An item with free slots
--   that is not a held-out item with a gold label can be handed out, ranked or not (items_free walks them in order).
ALTER TABLE items ADD COLUMN cold_key INTEGER;
ALTER TABLE items ADD COLUMN free_slots INTEGER NOT NULL DEFAULT 0;
UPDATE items SET free_slots = (SELECT p.overlap FROM projects p WHERE p.id = items.project_id) - holders;
CREATE INDEX items_free ON items (project_id, cold_key) WHERE free_slots > 0 AND NOT (held_out = 1 AND gold_label IS NOT NULL);
