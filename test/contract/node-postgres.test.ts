import { contractSuite } from './suite.ts';
import { startNodeOnPostgres } from './targets.ts';

// The same contract on Node over Postgres: this test process's throwaway cluster (test/support/postgres.ts), a fresh database.
contractSuite(startNodeOnPostgres);
