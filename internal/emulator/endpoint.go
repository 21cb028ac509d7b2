package emulator

// Env returns the environment (KEY=value) that points a ddokso process,
// or any AWS SDK, at the emulators: AWS_ENDPOINT_URL for every service
// (moto), and, when messaging is given, AWS_ENDPOINT_URL_SQS and
// AWS_ENDPOINT_URL_SNS for SQS and SNS (fauxqs). The SDK's per-service
// variables win over the general one, so no ddokso code knows about the
// split.
func Env(all, messaging *Server) []string {
	env := []string{"AWS_ENDPOINT_URL=" + all.Endpoint()}
	if messaging != nil {
		env = append(env,
			"AWS_ENDPOINT_URL_SQS="+messaging.Endpoint(),
			"AWS_ENDPOINT_URL_SNS="+messaging.Endpoint())
	}
	return env
}
