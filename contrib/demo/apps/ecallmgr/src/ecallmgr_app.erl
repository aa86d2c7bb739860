%% Both node types boot the same release, as in Kazoo: each app checks the node's name
%% and only the one it names says it is up.
-module(ecallmgr_app).
-behaviour(application).
-behaviour(supervisor).

-export([start/2, stop/1, init/1]).

start(_Type, _Args) ->
    [Name | _] = string:split(atom_to_list(node()), "@"),
    lists:prefix("ecallmgr", Name) andalso io:format(user, "ecallmgr is up~n", []),
    supervisor:start_link(?MODULE, []).

stop(_State) ->
    ok.

%% An empty supervisor: the application needs a top process and nothing more.
init([]) ->
    {ok, {#{}, []}}.
