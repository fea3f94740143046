-- The seeded schema of the compose stack's cdc profile (deploy/compose/compose.yaml), run once by
-- the postgres image when its data volume is empty. Two tables of a small shop, a few rows, and
-- the publication the Debezium connector streams from (cdc/connector.json: publication.name).
-- The server runs with wal_level=logical (the compose command line).
CREATE TABLE customers (
    id         serial PRIMARY KEY,
    name       text NOT NULL,
    email      text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id          serial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers (id),
    amount      numeric(10, 2) NOT NULL,
    status      text NOT NULL DEFAULT 'new',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO customers (name, email)
SELECT 'customer ' || n, 'customer' || n || '@example.com'
FROM generate_series(1, 50) AS n;

INSERT INTO orders (customer_id, amount, status)
SELECT 1 + (n % 50), round((10 + (n * 7) % 190)::numeric, 2), CASE WHEN n % 3 = 0 THEN 'shipped' ELSE 'new' END
FROM generate_series(1, 200) AS n;

CREATE PUBLICATION etlwatch_shop FOR TABLE customers, orders;
