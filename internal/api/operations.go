package api

// operations is the dispatch table: every operation this server implements.
// Operations of the model that are not listed answer UnknownOperationException,
// as AWS answers an operation it does not know.
func operations() map[string]operation {
	return map[string]operation{
		"CreateStream":                  opCreateStream,
		"DeleteStream":                  opDeleteStream,
		"DescribeStream":                opDescribeStream,
		"DescribeStreamSummary":         opDescribeStreamSummary,
		"ListStreams":                   opListStreams,
		"DescribeLimits":                opDescribeLimits,
		"ListShards":                    opListShards,
		"PutRecord":                     opPutRecord,
		"PutRecords":                    opPutRecords,
		"GetShardIterator":              opGetShardIterator,
		"GetRecords":                    opGetRecords,
		"AddTagsToStream":               opAddTagsToStream,
		"RemoveTagsFromStream":          opRemoveTagsFromStream,
		"ListTagsForStream":             opListTagsForStream,
		"TagResource":                   opTagResource,
		"UntagResource":                 opUntagResource,
		"ListTagsForResource":           opListTagsForResource,
		"IncreaseStreamRetentionPeriod": opIncreaseStreamRetentionPeriod,
		"DecreaseStreamRetentionPeriod": opDecreaseStreamRetentionPeriod,
		"SplitShard":                    opSplitShard,
		"MergeShards":                   opMergeShards,
		"UpdateShardCount":              opUpdateShardCount,
		"UpdateStreamMode":              opUpdateStreamMode,
		"StartStreamEncryption":         opStartStreamEncryption,
		"StopStreamEncryption":          opStopStreamEncryption,
		"RegisterStreamConsumer":        opRegisterStreamConsumer,
		"DeregisterStreamConsumer":      opDeregisterStreamConsumer,
		"DescribeStreamConsumer":        opDescribeStreamConsumer,
		"ListStreamConsumers":           opListStreamConsumers,
		"EnableEnhancedMonitoring":      opEnableEnhancedMonitoring,
		"DisableEnhancedMonitoring":     opDisableEnhancedMonitoring,
		"PutResourcePolicy":             opPutResourcePolicy,
		"GetResourcePolicy":             opGetResourcePolicy,
		"DeleteResourcePolicy":          opDeleteResourcePolicy,
		"DescribeAccountSettings":       opDescribeAccountSettings,
		"UpdateAccountSettings":         opUpdateAccountSettings,
		"UpdateStreamWarmThroughput":    opUpdateStreamWarmThroughput,
		"UpdateMaxRecordSize":           opUpdateMaxRecordSize,
	}
}

// streamOperations is the dispatch table of the operations whose response
// is an event stream: they write to the ResponseWriter themselves.
func streamOperations() map[string]streamOperation {
	return map[string]streamOperation{
		"SubscribeToShard": opSubscribeToShard,
	}
}
