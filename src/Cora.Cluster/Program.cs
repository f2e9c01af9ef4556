using Cora.Cluster;

return CoraCli.Run(args);
