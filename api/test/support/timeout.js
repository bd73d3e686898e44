// The integration suites start Azurite, the local tenant and the API: 30 s per test. Set here, not
// as `testTimeout`, because that option is run-wide and ignored in the root's multi-project run.
jest.setTimeout(30000);
