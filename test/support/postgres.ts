/** The tests' throwaway Postgres clusters: the starter lives in scripts/, shared with the bench (bench/postgres-scaling.ts). */
export { type PostgresCluster, postgresBinaries, postgresUnavailable, sharedPostgres, startPostgres } from '../../scripts/postgres-cluster.ts';
