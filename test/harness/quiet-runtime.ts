import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers log every state change at INFO; a test run wants only what went wrong.
Runtime.install({ logger: new DefaultLogger('WARN') });
