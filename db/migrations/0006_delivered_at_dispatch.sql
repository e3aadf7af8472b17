-- A notification is tried once as it is dispatched (activities/dispatcher.ts); when that attempt
-- delivers it, it needs no delivery workflow of its own, and this says so: a dispatch retried
-- after it (its first answer lost) must not send it again. Null when a delivery workflow took it
-- (that workflow's history says when), or before this column existed.
ALTER TABLE notifications ADD COLUMN delivered_at timestamptz;
