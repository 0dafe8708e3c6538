package labserver

func launchCourier(cfg *Config) (*Server, error) { return nil, ErrNotInstalled }
