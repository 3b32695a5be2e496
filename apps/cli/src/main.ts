import { runCli } from './cli';

// The `kopir` command: `npm run kopir -- <command>`. Exit codes: 0 ok, 1 failure, 2 usage.
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
