-- One round of changes for the cdc profile's cdc-changes service, which runs it every 2 seconds:
-- sometimes a new customer, three new orders, two orders shipped, sometimes a shipped order
-- deleted. Debezium captures each change; the etlwatch CDC consumer applies it to Iceberg.
INSERT INTO customers (name, email)
SELECT 'customer ' || n, 'customer' || n || '@example.com'
FROM (SELECT coalesce(max(id), 0) + 1 AS n FROM customers) AS next
WHERE random() < 0.3;

INSERT INTO orders (customer_id, amount)
SELECT id, round((5 + random() * 195)::numeric, 2)
FROM customers
ORDER BY random()
LIMIT 3;

UPDATE orders SET status = 'shipped', updated_at = now()
WHERE id IN (SELECT id FROM orders WHERE status = 'new' ORDER BY random() LIMIT 2);

DELETE FROM orders
WHERE id = (SELECT min(id) FROM orders WHERE status = 'shipped')
  AND random() < 0.2;
