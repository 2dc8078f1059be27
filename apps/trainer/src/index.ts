// The trainer's command line entry point.
console.log(
  'The S4D trainer is not implemented yet; this command only checks that the workspace builds.',
);
