%% Both node types boot the same release, as in Kazoo: each app checks the node's name
%% and only the one it names says it is up.
-module(kazoo_apps_app).
-behaviour(application).
-behaviour(supervisor).

-export([start/2, stop/1, init/1]).

start(_Type, _Args) ->
    %% KZ_DEMO_BOOT_MS: a boot that takes as long as a real Kazoo node's.
    case os:getenv("KZ_DEMO_BOOT_MS") of
        false -> ok;
        Ms -> timer:sleep(list_to_integer(Ms))
    end,
    [Name | _] = string:split(atom_to_list(node()), "@"),
    lists:prefix("kazoo_apps", Name) andalso io:format(user, "kazoo_apps is up~n", []),
    supervisor:start_link(?MODULE, []).

stop(_State) ->
    ok.

%% An empty supervisor: the application needs a top process and nothing more.
init([]) ->
    {ok, {#{}, []}}.
