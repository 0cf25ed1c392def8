import { contractSuite } from './suite.ts';
import { startBunOnPostgres } from './targets.ts';

// The same contract on Bun over Postgres: this test process's throwaway cluster (test/support/postgres.ts), a fresh database.
contractSuite(startBunOnPostgres);
