// A standard availability test of the API's /readyz (Application Insights), every 5 minutes from two regions.
param name string
param location string
param tags object = {}
param insightsName string
param url string

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: insightsName
}

resource readyz 'Microsoft.Insights/webtests@2022-06-15' = {
  name: name
  location: location
  tags: union(tags, { 'hidden-link:${insights.id}': 'Resource' })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: name
    Name: 'Connection API ready'
    Enabled: true
    Kind: 'standard'
    Frequency: 300
    Timeout: 30
    RetryEnabled: true
    Locations: [
      {
        Id: 'emea-nl-ams-azr'
      }
      {
        Id: 'us-va-ash-azr'
      }
    ]
    Request: {
      RequestUrl: url
      HttpVerb: 'GET'
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
    }
  }
}

output resourceId string = readyz.id
