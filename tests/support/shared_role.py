"""A region where one role serves several recipes (issue 11): OOSServiceRole runs four hooks in three scaling groups
with two templates (the run-command and the Redis whitelist stand-ins), through one custom policy both recipes wrote
and a system policy; a fourth group's hooks run as another role or notify a queue."""
REGION = "cn-hangzhou"
ACCOUNT = "1234567890123456"
ROLE = "OOSServiceRole"
SHARED_POLICY = "ESSHookPolicyForRunCommand"
RUN_COMMAND = "ACS-ESS-LifeCycleRunCommand"
WHITELIST = "ACS-ESS-LifeCycleModifyRedisIPWhitelist"
WEB, CACHE, BATCH, OTHER = ("asg-sbxweb0000000001", "asg-sbxcache000000001", "asg-sbxbatch000000001",
                            "asg-sbxother000000001")
RUN_COMMAND_ACTIONS = ["ecs:DescribeInvocationResults", "ecs:DescribeInvocations", "ecs:RunCommand",
                       "ess:CompleteLifecycleAction"]

SCENARIO = f"""
region: {REGION}
account_id: "{ACCOUNT}"
groups:
  - id: {WEB}
    name: web
    max: 5
    instances: 1
    hooks:
      - {{name: web-run-command, template: {RUN_COMMAND}, metadata: {{commandContent: systemctl start httpd}}}}
  - id: {CACHE}
    name: cache
    max: 5
    instances: 1
    hooks:
      - {{name: cache-add-ip, template: {WHITELIST}, metadata: {{dbInstanceId: r-bp1cache, modifyMode: Append}}}}
      - {{name: cache-remove-ip, transition: SCALE_IN, template: {WHITELIST}, status: InActive,
         metadata: {{dbInstanceId: r-bp1cache, modifyMode: Delete}}}}
  - id: {BATCH}
    name: batch
    max: 5
    hooks:
      - {{name: batch-run-command, template: {RUN_COMMAND},
         metadata: {{commandContent: echo ready, OOSAssumeRole: {ROLE}}}}}
  - id: {OTHER}
    name: other
    max: 2
    hooks:
      - {{name: other-role, template: {RUN_COMMAND}, metadata: {{OOSAssumeRole: BatchRole}}}}
      - {{name: to-queue, arn: "acs:mns:{REGION}:{ACCOUNT}:queue/hooks"}}
roles:
  - {{name: {ROLE}, trusted: [oos.aliyuncs.com], policies: [{SHARED_POLICY}, AliyunKvstoreFullAccess]}}
  - {{name: BatchRole, trusted: [oos.aliyuncs.com]}}
policies:
  - name: {SHARED_POLICY}
    document:
      Version: "1"
      Statement:
        - Effect: Allow
          Action: [{", ".join([*RUN_COMMAND_ACTIONS, "ecs:DescribeInstances"])}]
          Resource: "*"
"""
