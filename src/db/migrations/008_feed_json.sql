-- Feed events rendered once, at write time (issue 12 §3). An event never changes once written, so
-- its JSON text (the object a sync page carries: type, cursor, action, data_type, data_key, data)
-- is built by the statement that writes it and stored beside the columns; a /sync/get page is the
-- concatenation of its events' text (string_agg), with no per-event work in the server.
-- The columns stay: they are what the feed filters on (data_type, visibility) and what tools read.

ALTER TABLE changes ADD COLUMN json text;
ALTER TABLE cc_changes ADD COLUMN json text;

-- The events written before this migration, rendered the same way (project events carry their
-- project's gid as "type"; project deletion removes its events, so every event has its project).
UPDATE changes c SET json =
  '{"type":' || coalesce((SELECT to_json(p.gid::text)::text FROM projects p WHERE p.id = c.project_id), 'null')
  || ',"cursor":' || c.cursor || ',"action":"' || c.action
  || '","data_type":' || to_json(c.data_type)::text || ',"data_key":' || to_json(c.data_key)::text
  || CASE WHEN c.data IS NULL THEN '}' ELSE ',"data":' || c.data::text || '}' END;

UPDATE cc_changes c SET json =
  '{"type":"cc","cursor":' || c.cursor || ',"action":"' || c.action
  || '","data_type":' || to_json(c.data_type)::text || ',"data_key":' || to_json(c.data_key)::text
  || CASE WHEN c.data IS NULL THEN '}' ELSE ',"data":' || c.data::text || '}' END;

ALTER TABLE changes ALTER COLUMN json SET NOT NULL;
ALTER TABLE cc_changes ALTER COLUMN json SET NOT NULL;

-- emit_changes: as in 001, plus the events' JSON. The parts common to the call (type, action,
-- data_type, data) are built once; per event only the cursor and the quoted key are spliced in.
CREATE OR REPLACE FUNCTION emit_changes(p bigint, act text, dtype text, keys text[], payload jsonb DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n    bigint := coalesce(cardinality(keys), 0);
  last bigint;
  head text;
  mid  text;
  tail text;
BEGIN
  IF n = 0 THEN RETURN NULL; END IF;
  UPDATE project_cursors SET cursor = cursor + n WHERE project_id = p RETURNING cursor INTO last;
  IF last IS NULL THEN
    RAISE EXCEPTION 'project % has no cursor row', p;
  END IF;
  head := '{"type":' || coalesce((SELECT to_json(gid::text)::text FROM projects WHERE id = p), 'null') || ',"cursor":';
  mid := ',"action":"' || act || '","data_type":' || to_json(dtype)::text || ',"data_key":';
  tail := CASE WHEN payload IS NULL THEN '}' ELSE ',"data":' || payload::text || '}' END;
  INSERT INTO changes(project_id, cursor, action, data_type, data_key, data, json)
  SELECT p, last - n + u.o, act, dtype, u.k, payload, head || (last - n + u.o) || mid || to_json(u.k)::text || tail
  FROM unnest(keys) WITH ORDINALITY AS u(k, o);
  PERFORM pg_notify('assetlib_changes', json_build_object('p', p, 'to', last)::text);
  RETURN last;
END $$;

CREATE OR REPLACE FUNCTION emit_cc_change(p bigint, act text, dtype text, key text, payload jsonb DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE last bigint;
BEGIN
  UPDATE cc_cursor SET cursor = cursor + 1 WHERE id = 1 RETURNING cursor INTO last;
  INSERT INTO cc_changes(cursor, project_id, action, data_type, data_key, data, json)
  VALUES (last, p, act, dtype, key, payload,
          '{"type":"cc","cursor":' || last || ',"action":"' || act || '","data_type":' || to_json(dtype)::text
          || ',"data_key":' || to_json(key)::text
          || CASE WHEN payload IS NULL THEN '}' ELSE ',"data":' || payload::text || '}' END);
  PERFORM pg_notify('assetlib_cc_changes', json_build_object('p', p, 'to', last)::text);
  RETURN last;
END $$;
