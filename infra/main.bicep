// GreenLight on Azure: App Service (Linux, Node 22 LTS) running the bot under a user-assigned managed identity,
// the Azure Bot registration with the Teams channel, the identity's role on the Azure ML workspace, and optionally
// a PostgreSQL flexible server for several bot instances.
targetScope = 'resourceGroup'

@description('Short name used for every resource.')
param appName string = 'greenlight'
param location string = resourceGroup().location

@description('The Azure ML workspace GreenLight manages.')
param mlSubscriptionId string = subscription().subscriptionId
param mlResourceGroup string
param mlWorkspaceName string

@description('App Service plan SKU; B1 is enough for one team.')
param planSku string = 'B1'

@description('Instances of the bot (App Service scale-out). More than one needs PostgreSQL: createPostgres or databaseUrl.')
@minValue(1)
@maxValue(30)
param instanceCount int = 1

@description('Create a PostgreSQL flexible server for the store.')
param createPostgres bool = false
@secure()
@description('PostgreSQL administrator password (only with createPostgres).')
param postgresAdminPassword string = ''
@secure()
@description('An existing PostgreSQL database instead (postgres://user:password@host:5432/db?sslmode=require).')
param databaseUrl string = ''

@description('How long a stopping instance may take (ms) to finish or hand back its work before it exits.')
@minValue(1000)
@maxValue(110000)
param shutdownTimeoutMs int = 25000

@description('Entra tenant ids (comma-separated) whose people may hold roles; empty: the bot identity\'s own tenant.')
param allowedTenantIds string = ''

var suffix = uniqueString(resourceGroup().id, appName)
var webAppName = '${appName}-${suffix}'
var storeUrl = createPostgres
  ? 'postgres://greenlight:${postgresAdminPassword}@${postgres.outputs.host}:5432/greenlight?sslmode=require'
  : databaseUrl
// Without PostgreSQL the store is PGlite in DATA_DIR, which lives on /home, shared by every instance: two bot processes
// on one PGlite folder would corrupt it. Refused rather than deployed.
var checkedStoreUrl = instanceCount > 1 && empty(storeUrl)
  ? fail('instanceCount > 1 needs PostgreSQL: set createPostgres=true (with postgresAdminPassword) or databaseUrl.')
  : storeUrl
// App Service waits this long after SIGTERM before it kills the container (default 5 s, at most 120): the bot's own
// limit, and a little more to exit.
var stopTimeLimitSeconds = shutdownTimeoutMs / 1000 + 5

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${appName}-identity'
  location: location
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${appName}-plan'
  location: location
  kind: 'linux'
  sku: { name: planSku, capacity: instanceCount }
  properties: { reserved: true }
}

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  name: webAppName
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // The Bot Framework sends no cookie worth following: every instance takes any activity (dedupe, leases and
    // compare-and-set in PostgreSQL make that safe), so no instance is pinned.
    clientAffinityEnabled: false
    siteConfig: {
      linuxFxVersion: 'NODE|22-lts'
      // The deployment's build (SCM_DO_BUILD_DURING_DEPLOYMENT: npm install, then npm run build) compiles src/ to dist/.
      // A 4 MB young generation (Node's default is 16) keeps the idle bot 30 MB smaller at the same throughput
      // (npm run bench). What the bot keeps per conversation is small and bounded (two caches of 10 000 entries); left
      // alone, V8 lets collectable garbage grow the old generation towards its default limit before it collects, and
      // RSS grew ×1.8 over 5 000 conversations. A 256 MB old generation makes it collect sooner (×1.1–1.3), far above
      // what the bot holds. restify's spdy reads process.binding('http_parser'), which Node deprecates (DEP0111): a
      // warning at every start that no one can act on, so that one is silenced.
      appCommandLine: 'node --max-semi-space-size=4 --max-old-space-size=256 --disable-warning=DEP0111 dist/main.js'
      alwaysOn: true
      // Readiness: the store and the workspace answer. With two or more instances App Service stops sending traffic
      // to one that fails it; a stopping instance answers 503 at once. (/healthz is liveness only.)
      healthCheckPath: '/readyz'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      appSettings: [
        { name: 'BOT_HOST', value: '0.0.0.0' }
        { name: 'PORT', value: '8080' }
        { name: 'WEBSITES_PORT', value: '8080' }
        { name: 'MicrosoftAppType', value: 'UserAssignedMSI' }
        { name: 'MicrosoftAppId', value: identity.properties.clientId }
        { name: 'MicrosoftAppTenantId', value: identity.properties.tenantId }
        { name: 'ALLOWED_TENANT_IDS', value: empty(allowedTenantIds) ? identity.properties.tenantId : allowedTenantIds }
        // DefaultAzureCredential picks the user-assigned identity by its client id.
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'AZURE_SUBSCRIPTION_ID', value: mlSubscriptionId }
        { name: 'AZURE_RESOURCE_GROUP', value: mlResourceGroup }
        { name: 'AZURE_ML_WORKSPACE', value: mlWorkspaceName }
        { name: 'ROLES_FILE', value: 'config/roles.json' }
        { name: 'DATA_DIR', value: '/home/greenlight' }
        { name: 'DATABASE_URL', value: checkedStoreUrl }
        { name: 'SHUTDOWN_TIMEOUT_MS', value: string(shutdownTimeoutMs) }
        { name: 'WEBSITES_CONTAINER_STOP_TIME_LIMIT', value: string(stopTimeLimitSeconds) }
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'true' }
      ]
    }
  }
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${appName}-bot-${suffix}'
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'S1' }
  properties: {
    displayName: 'GreenLight'
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppType: 'UserAssignedMSI'
    msaAppId: identity.properties.clientId
    msaAppTenantId: identity.properties.tenantId
    msaAppMSIResourceId: identity.id
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true }
  }
}

module workspaceAccess 'modules/workspace-access.bicep' = {
  name: 'greenlight-workspace-access'
  scope: resourceGroup(mlSubscriptionId, mlResourceGroup)
  params: {
    workspaceName: mlWorkspaceName
    principalId: identity.properties.principalId
  }
}

module postgres 'modules/postgres.bicep' = if (createPostgres) {
  name: 'greenlight-postgres'
  params: {
    name: '${appName}-pg-${suffix}'
    location: location
    administratorPassword: postgresAdminPassword
  }
}

output botEndpoint string = 'https://${webApp.properties.defaultHostName}/api/messages'
output microsoftAppId string = identity.properties.clientId
output webAppName string = webApp.name
